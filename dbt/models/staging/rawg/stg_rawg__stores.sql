-- One row per store per run_date: the /stores snapshot taken that day.
with

source as (
    select * from {{ rawg_items('stores') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as store_id,
        run_date,
        {{ rawg_taxonomy_columns('item') }},
        {{ json_value('item', 'domain', 'text') }} as domain,
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, store_id', 'page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
