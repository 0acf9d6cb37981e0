"""Figures into params files: `import` of CSV tables and `extract` of report text."""
