{#- Written by `meshplane dbt scaffold`: a custom schema (the port models' internal dataset) is used
    as given, not prefixed with the target's dataset as dbt does by default. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
