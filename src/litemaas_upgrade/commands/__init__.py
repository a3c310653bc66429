"""One module per subcommand: a plain function from parsed options to an exit code."""
