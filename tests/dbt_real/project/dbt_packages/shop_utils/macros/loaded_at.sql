{% macro loaded_at() -%}
    current_timestamp()
{%- endmacro %}
