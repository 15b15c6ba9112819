"""The rule language: rule sets, the label catalogue and the criteria linter, loaded and checked."""
