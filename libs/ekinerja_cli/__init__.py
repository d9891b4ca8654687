"""The `ekinerja` command line: one entry point for employees, supervisors, agencies and operators."""
