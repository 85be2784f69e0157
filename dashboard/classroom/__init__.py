"""Class mode: students play each other from their own laptops; the teacher's console shows the whole class.

- :mod:`~dashboard.classroom.game`: one game, students' moves replayed through the model;
- :mod:`~dashboard.classroom.room`: the class (join code, seats, clock, pause, end);
- :mod:`~dashboard.classroom.results`: the board's data, the model's odds, the debrief;
- :mod:`~dashboard.classroom.export`: CSV tables and each game's log;
- :mod:`~dashboard.classroom.student` and :mod:`~dashboard.classroom.teacher`: the two pages;
- :mod:`~dashboard.classroom.serving`: their routes on the dashboard's server and the console's key.

Everything but the two pages and the routes is plain Python, tested without a server.
"""
