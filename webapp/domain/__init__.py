"""Pure rules: code lists, validators. No I/O."""
