{#- The run_date range being built, from the vars `start_date` / `end_date` (YYYY-MM-DD,
    inclusive). Both unset = every partition. -#}

{% macro built_range() -%}
    {#- Returns none, or [start, end] as datetime.date objects; a bad var is a compile error. -#}
    {%- set start = var('start_date', none) -%}
    {%- set end = var('end_date', none) -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if start is none or end is none -%}
        {{ exceptions.raise_compiler_error("set both vars start_date and end_date, or neither") }}
    {%- endif -%}
    {%- set days = [] -%}
    {%- for text in [start, end] -%}
        {%- if not modules.re.fullmatch('\d{4}-\d{2}-\d{2}', text | string) -%}
            {{ exceptions.raise_compiler_error("run date var " ~ text ~ " is not YYYY-MM-DD") }}
        {%- endif -%}
        {%- do days.append(modules.datetime.date.fromisoformat(text | string)) -%}
    {%- endfor -%}
    {%- if days[1] < days[0] -%}
        {{ exceptions.raise_compiler_error("end_date " ~ end ~ " is before start_date " ~ start) }}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}


{% macro built_days() -%}
    {#- Every day of the built range (a list of ISO strings), or none for every partition. -#}
    {%- set bounds = built_range() -%}
    {%- if bounds is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set days = [] -%}
    {%- for offset in range((bounds[1] - bounds[0]).days + 1) -%}
        {%- do days.append((bounds[0] + modules.datetime.timedelta(days=offset)).isoformat()) -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}


{% macro in_built_range(column) -%}
    {#- A predicate: `column` falls in the built range (always true when building everything). -#}
    {%- set bounds = built_range() -%}
    {%- if bounds is none -%}
        (1 = 1)
    {%- else -%}
        ({{ column }} between cast('{{ bounds[0] }}' as date) and cast('{{ bounds[1] }}' as date))
    {%- endif -%}
{%- endmacro %}


{% macro before_built_range(column) -%}
    {{ return(beyond_built_range(column, '<', 0)) }}
{%- endmacro %}


{% macro after_built_range(column) -%}
    {{ return(beyond_built_range(column, '>', 1)) }}
{%- endmacro %}


{% macro beyond_built_range(column, operator, side) -%}
    {#- `column` before (operator <, side 0) or after (>, 1) the built range; false when
        building everything. -#}
    {%- set bounds = built_range() -%}
    {%- if bounds is none -%}
        {{ return('(1 = 0)') }}
    {%- endif -%}
    {{ return('(' ~ column ~ ' ' ~ operator ~ " cast('" ~ bounds[side] ~ "' as date))") }}
{%- endmacro %}
