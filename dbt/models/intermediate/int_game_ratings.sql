-- One row per game per run_date per rating entry RAWG listed: {id, title, count, percent}.
-- RAWG sorts the array by count, not by id, and leaves out titles nobody chose, so entries are
-- identified by their title, never by their position.
with

games as (
    select game_id, run_date, ratings
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

unnested as (
    select
        games.game_id,
        games.run_date,
        {{- json_columns(json_element('rating'), [
            ('title', 'title', 'text'),
            ('rating_id', 'id', 'int'),
            ('rating_count', 'count', 'int'),
            ('rating_percent', 'percent', 'float'),
        ]) }},
        {{ json_element_index('rating') }} as list_position
    from games
    {{ json_array_elements(parse_json('games.ratings'), 'rating') }}
),

final as (
    select * from unnested
    {{ one_row_per('game_id, run_date, title', 'list_position nulls last') }}
)

select * from final
