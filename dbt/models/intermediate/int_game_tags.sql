-- One row per game per run_date per tag: the tags a game listed on that day (both languages).
with

games as (
    select game_id, run_date, tags
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

unnested as (
    select
        games.game_id,
        games.run_date,
        {{- json_columns(json_element('tag'),
            [('tag_id', 'id', 'int')] + rawg_taxonomy_fields() + [('language', 'language', 'text')]
        ) }},
        {{ json_element_index('tag') }} as list_position
    from games
    {{ json_array_elements(parse_json('games.tags'), 'tag') }}
),

final as (
    select * from unnested
    {{ one_row_per('game_id, run_date, tag_id', 'list_position nulls last') }}
)

select * from final
