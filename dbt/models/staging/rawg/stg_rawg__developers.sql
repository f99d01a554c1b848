-- One row per developer per run_date: the /developers snapshot taken that day.
with

source as (
    select * from {{ rawg_items('developers') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as developer_id,
        run_date,
        {{ rawg_taxonomy_columns('item') }},
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, developer_id', 'page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
