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
        {{- json_columns(json_element('link'),
            [('store_id', 'store.id', 'int'), ('game_store_id', 'id', 'int')]
            + rawg_taxonomy_fields('store.') + [('domain', 'store.domain', 'text')]
        ) }},
        {{ json_element_index('link') }} as list_position
    from games
    {{ json_array_elements(parse_json('games.stores'), 'link') }}
),

final as (
    select * from unnested
    {{ one_row_per('game_id, run_date, store_id', 'list_position nulls last') }}
)

select * from final
