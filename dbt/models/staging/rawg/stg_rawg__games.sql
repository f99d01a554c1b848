-- One row per game per run_date: the /games list item as RAWG served it on that day, typed.
with

source as (
    select * from {{ rawg_items('games') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as game_id,
        run_date,
        {{ json_value('item', 'slug', 'text') }} as slug,
        {{ json_value('item', 'name', 'text') }} as name,
        {{ json_value('item', 'released', 'date') }} as released_on,
        coalesce({{ json_value('item', 'tba', 'bool') }}, false) as tba,
        {{ json_value('item', 'background_image', 'text') }} as background_image,
        {{ json_value('item', 'rating', 'float') }} as rating,
        {{ json_value('item', 'rating_top', 'int') }} as rating_top,
        {{ json_value('item', 'ratings_count', 'int') }} as ratings_count,
        -- a string in RAWG's spec, a number in real data: the cast takes both
        {{ json_value('item', 'reviews_text_count', 'int') }} as reviews_text_count,
        {{ json_value('item', 'added', 'int') }} as added,
        {{ json_value('item', 'metacritic', 'int') }} as metacritic,
        {{ json_value('item', 'playtime', 'int') }} as playtime_hours,
        {{ json_value('item', 'suggestions_count', 'int') }} as suggestions_count,
        -- RAWG sends no timezone; the values are kept as they are (timestamp without zone)
        {{ json_value('item', 'updated', 'timestamp') }} as updated_at,
        {{ json_value('item', 'esrb_rating.id', 'int') }} as esrb_rating_id,
        {{ json_value('item', 'esrb_rating.name', 'text') }} as esrb_rating,
        -- nested arrays and objects as JSON text, unnested by the intermediate models (text,
        -- not JSON/VARIANT, so that unit-test fixtures read the same on every target)
        {{ json_value('item', 'ratings', 'text') }} as ratings,
        {{ json_value('item', 'added_by_status', 'text') }} as added_by_status,
        {{ json_value('item', 'platforms', 'text') }} as platforms,
        {{ json_value('item', 'genres', 'text') }} as genres,
        {{ json_value('item', 'stores', 'text') }} as stores,
        {{ json_value('item', 'tags', 'text') }} as tags,
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, game_id', 'updated_at desc, page_key desc, item_index desc') }}
)

select * from final
