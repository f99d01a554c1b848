-- One row per release day per breakdown per group: the distinct games RAWG lists as released
-- that day (games_released, /games?dates=D,D: run_date is the release day), in total
-- (breakdown 'all'), by genre and by parent platform (PC, PlayStation, ...). A game counts once
-- per group (a game on PS4 and PS5 is one PlayStation release); genres and platforms are the
-- game's latest state (rpt_game_groups), so a game lists several genres and the groups add up
-- to more than the total.
with

released as (
    select distinct run_date, game_id
    from {{ ref('stg_rawg__games_released') }}
),

groups as (
    select game_id, breakdown, group_name
    from {{ ref('rpt_game_groups') }}
    where breakdown in ('genre', 'parent_platform')
),

grouped as (
    select released.run_date, 'all' as breakdown, 'all games' as group_name, released.game_id
    from released
    union all
    select released.run_date, groups.breakdown, groups.group_name, released.game_id
    from released
    inner join groups
        on released.game_id = groups.game_id
),

final as (
    select
        run_date,
        breakdown,
        group_name,
        count(distinct game_id) as games
    from grouped
    group by run_date, breakdown, group_name
)

select * from final
