"""Prices: the bundled price book (data files with source and date) and cost estimates."""
