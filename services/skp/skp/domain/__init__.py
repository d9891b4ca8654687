"""SKP domain: versioned scoring rulesets and the pure scoring of an SKP year. Standard library only."""
