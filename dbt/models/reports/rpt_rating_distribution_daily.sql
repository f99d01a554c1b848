-- One row per run_date per rating band: the rated games updated that day (ratings_count > 0)
-- whose RAWG rating falls in the half-star band [rating_band, rating_band + 0.5); 5.0 joins the
-- top band 4.5. Unrated games (rating 0, nobody voted) are left out.
with

rated as (
    select
        run_date,
        cast(least(floor(rating * 2), 9) / 2 as double) as rating_band
    from {{ ref('fct_game_daily_snapshot') }}
    where ratings_count > 0 and rating is not null
),

final as (
    select
        run_date,
        rating_band,
        count(*) as games
    from rated
    group by run_date, rating_band
)

select * from final
