-- One row per game per run_date: the `GET /games/{id}` body fetched in the run_date's
-- game_details partition (the day's games and the backlog earlier days left), typed. Only the
-- detail-only fields the marts use are typed; the list fields are the /games item's (staging
-- stg_rawg__games reads those).
with

source as (
    select * from {{ rawg_items('game_details') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as game_id,
        run_date,
        {{ json_value('item', 'slug', 'text') }} as slug,
        {{ json_value('item', 'name', 'text') }} as name,
        {{ json_value('item', 'name_original', 'text') }} as name_original,
        -- RAWG sends "" for a game without a description or website: null here
        nullif({{ json_value('item', 'description_raw', 'text') }}, '') as description_raw,
        nullif({{ json_value('item', 'website', 'text') }}, '') as website,
        {{ json_value('item', 'updated', 'timestamp') }} as updated_at,
        -- the companies as JSON text, unnested by int_game_developers / int_game_publishers
        {{ json_value('item', 'developers', 'text') }} as developers,
        {{ json_value('item', 'publishers', 'text') }} as publishers,
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, game_id', 'updated_at desc nulls last, page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
