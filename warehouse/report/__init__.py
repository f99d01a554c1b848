"""The market report: reads the report models (dbt/models/reports/) and draws one HTML file."""
