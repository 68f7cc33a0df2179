"""The command line: `mailwatch --help`."""
