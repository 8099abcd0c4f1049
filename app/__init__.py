"""The EMS application: command line, configuration and the wiring of engine and widgets."""
