"""The acsim classroom dashboard (Panel + Bokeh): ``from dashboard.app import serve, create_app``."""
