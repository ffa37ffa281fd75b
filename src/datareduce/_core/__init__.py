"""Contract and data handling: validation, input checks, output containers, strata."""
