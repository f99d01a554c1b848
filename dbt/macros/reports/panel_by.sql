{#- The whole model of a report view breaking the market panel's games down by their groups:
    one row per run_date per panel game (rpt_panel_games) per group of the game
    (rpt_game_groups) of `breakdown` (a name, or a list of names kept in `role_column`), with
    the game's added_gained and added_gained_per_day. The group's id is `id_column` (none: no
    id), its name `name_column`. -#}

{% macro rpt_panel_by(breakdown, id_column, name_column, role_column=none) -%}
{%- set breakdowns = [breakdown] if breakdown is string else breakdown %}
with

panel as (
    select run_date, game_id, added_gained, added_gained_per_day
    from {{ ref('rpt_panel_games') }}
),

groups as (
    select game_id, breakdown, group_id, group_name
    from {{ ref('rpt_game_groups') }}
    where breakdown in ('{{ breakdowns | join("', '") }}')
),

final as (
    select
        panel.run_date,
        panel.game_id,
        {%- if role_column %}
        groups.breakdown as {{ role_column }},
        {%- endif %}
        {%- if id_column %}
        groups.group_id as {{ id_column }},
        {%- endif %}
        groups.group_name as {{ name_column }},
        panel.added_gained,
        panel.added_gained_per_day
    from panel
    inner join groups
        on panel.game_id = groups.game_id
)

select * from final
{%- endmacro %}
