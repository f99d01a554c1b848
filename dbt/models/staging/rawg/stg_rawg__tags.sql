-- One row per tag per run_date: the /tags snapshot taken that day (the most used tags only).
with

source as (
    select * from {{ rawg_items('tags') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as tag_id,
        run_date,
        {{ rawg_taxonomy_columns('item') }},
        -- 'eng' or 'rus': RAWG keeps Russian duplicates of many tags
        {{ json_value('item', 'language', 'text') }} as language,
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, tag_id', 'page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
