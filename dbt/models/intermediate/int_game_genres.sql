-- One row per game per run_date per genre: the genres a game listed on that day.
with

games as (
    select game_id, run_date, genres
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

unnested as (
    select
        games.game_id,
        games.run_date,
        {{- json_columns(json_element('genre'), [('genre_id', 'id', 'int')] + rawg_taxonomy_fields()) }},
        {{ json_element_index('genre') }} as list_position
    from games
    {{ json_array_elements(parse_json('games.genres'), 'genre') }}
),

final as (
    select * from unnested
    {{ one_row_per('game_id, run_date, genre_id', 'list_position nulls last') }}
)

select * from final
