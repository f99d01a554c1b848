{#- The run_date range being built: the vars `start_date` / `end_date` (YYYY-MM-DD,
    inclusive), else the env vars GMP_BUILD_START_DATE / GMP_BUILD_END_DATE. Neither = every
    partition.

    `gmp transform` passes the range in the env vars: dbt re-parses the whole project whenever
    --vars change (~2 s of a ~10 s day build), while an env var read only at execution time
    (`execute`) is not part of the parse, so consecutive daily builds keep partial parsing.
    Unit tests take their range from their own vars only. -#}

{% macro built_range() -%}
    {#- Returns none, or [start, end] as datetime.date objects; a bad var is a compile error. -#}
    {%- set start = var('start_date', none) -%}
    {%- set end = var('end_date', none) -%}
    {%- if start is none and end is none and execute and model.resource_type != 'unit_test' -%}
        {%- set start = env_var('GMP_BUILD_START_DATE', '') or none -%}
        {%- set end = env_var('GMP_BUILD_END_DATE', '') or none -%}
    {%- endif -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if start is none or end is none -%}
        {{ exceptions.raise_compiler_error("set both start_date and end_date, or neither") }}
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
