{#- panel_size(setting): how many games a market panel holds, its size setting (gmp/settings.py:
    GMP_POPULAR_GAMES, GMP_RISING_GAMES, GMP_UPCOMING_GAMES; the defaults are the var
    `panel_sizes`). The extractor lands whole pages of 40 (500 games: 13 pages, 520 items), so
    the items ranked past the size are in the lake and in dim_games, but not in the panel.
    Read at execution time only, like the build range (run_dates.sql), so that the setting is
    not part of the parse; unit tests take the var's default. -#}

{% macro panel_size(setting) -%}
    {%- set size = var('panel_sizes')[setting] -%}
    {%- if execute and model.resource_type != 'unit_test' -%}
        {%- set size = env_var(setting, '') or size -%}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[1-9][0-9]*', size | string) -%}
        {{ exceptions.raise_compiler_error(setting ~ " must be a whole number of games, got " ~ size) }}
    {%- endif -%}
    {{ return(size | int) }}
{%- endmacro %}
