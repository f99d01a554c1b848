-- One row per game per run_date per developer: the developers a game's detail (game_details)
-- listed on that day, with the company as the detail embeds it (id, name, slug, games_count,
-- image_background).
with

details as (
    select game_id, run_date, developers
    from {{ ref('stg_rawg__game_details') }}
    where {{ in_built_range('run_date') }}
),

unnested as (
    select
        details.game_id,
        details.run_date,
        {{ json_value(json_element('company'), 'id', 'int') }} as developer_id,
        {{ rawg_taxonomy_columns(json_element('company')) }},
        {{ json_element_index('company') }} as list_position
    from details
    {{ json_array_elements(parse_json('details.developers'), 'company') }}
),

final as (
    select * from unnested
    {{ one_row_per('game_id, run_date, developer_id', 'list_position nulls last') }}
)

select * from final
