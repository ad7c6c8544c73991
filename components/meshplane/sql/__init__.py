"""The SQL and rules a product generates: interface views, control procedures, quality rules, access audit."""
