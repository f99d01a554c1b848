-- One row per creator per run_date: the /creators snapshot taken that day (opt-in endpoint).
with

source as (
    select * from {{ rawg_items('creators') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as creator_id,
        run_date,
        {{ rawg_taxonomy_columns('item') }},
        {{ json_value('item', 'image', 'text') }} as image,
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, creator_id', 'page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
