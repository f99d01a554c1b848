-- One row per game per run_date per store: where a game was sold on that day.
-- RAWG nests the store: {id: <game-store link id>, store: {id, name, slug, domain, ...}}.
with

games as (
    select game_id, run_date, stores
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

unnested as (
    select
        games.game_id,
        games.run_date,
        {{ json_value(json_element('link'), 'store.id', 'int') }} as store_id,
        {{ json_value(json_element('link'), 'id', 'int') }} as game_store_id,
        {{ rawg_taxonomy_columns(json_get(json_element('link'), 'store')) }},
        {{ json_value(json_element('link'), 'store.domain', 'text') }} as domain,
        {{ json_element_index('link') }} as list_position
    from games
    {{ json_array_elements(parse_json('games.stores'), 'link') }}
),

final as (
    select * from unnested
    {{ one_row_per('game_id, run_date, store_id', 'list_position nulls last') }}
)

select * from final
