-- One row per platform per run_date: the /platforms snapshot taken that day.
with

source as (
    select * from {{ rawg_items('platforms') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as platform_id,
        run_date,
        {{ rawg_taxonomy_columns('item') }},
        {{ json_value('item', 'image', 'text') }} as image,
        {{ json_value('item', 'year_start', 'int') }} as year_start,
        {{ json_value('item', 'year_end', 'int') }} as year_end,
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, platform_id', 'page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
