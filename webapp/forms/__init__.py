"""WTForms classes, one module per entity."""
