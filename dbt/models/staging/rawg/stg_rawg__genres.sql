-- One row per genre per run_date: the /genres snapshot taken that day.
with

source as (
    select * from {{ rawg_items('genres') }}
),

renamed as (
    select
        {{ json_value('item', 'id', 'int') }} as genre_id,
        run_date,
        {{ rawg_taxonomy_columns('item') }},
        page_key,
        item_index
    from source
),

final as (
    select * from renamed
    {{ one_row_per('run_date, genre_id', 'page_key desc nulls last, item_index desc nulls last') }}
)

select * from final
