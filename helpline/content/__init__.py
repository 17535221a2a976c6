"""Reading content: YAML with file and line for every node, reply templates, SMS segment counts."""
