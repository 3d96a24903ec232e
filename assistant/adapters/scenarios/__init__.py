"""Recorded-audio scripts for testers: YAML scenarios replayed through the
conversation core, with JSON, JUnit and HTML reports (`assistant run-script`)."""
