"""The bundled scenario files (one YAML file each); see ``sim.bundled_scenarios()``."""
