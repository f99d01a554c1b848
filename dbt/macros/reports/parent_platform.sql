{#- The RAWG parent platform (the family RAWG's `parent_platforms` and /platforms/lists/parents
    group platforms by: PC, PlayStation, Xbox, Nintendo, ...) of a platform, from its slug. The
    list items' `parent_platforms` is not kept by staging, and a platform's family never
    changes, so the report names it from the slug; a platform outside the known families is its
    own family (`name_expr`). Arguments: slug_expr, name_expr (SQL expressions). -#}

{% macro rpt_parent_platform(slug_expr, name_expr) -%}
    case
        when {{ slug_expr }} = 'pc' then 'PC'
        when {{ slug_expr }} like 'playstation%' or {{ slug_expr }} in ('ps-vita', 'psp') then 'PlayStation'
        when {{ slug_expr }} like 'xbox%' then 'Xbox'
        when {{ slug_expr }} = 'ios' then 'iOS'
        when {{ slug_expr }} = 'android' then 'Android'
        when {{ slug_expr }} in ('macos', 'macintosh', 'apple-ii') then 'Apple Macintosh'
        when {{ slug_expr }} = 'linux' then 'Linux'
        when {{ slug_expr }} like 'nintendo%' or {{ slug_expr }} like 'game-boy%'
            or {{ slug_expr }} in ('wii', 'wii-u', 'gamecube', 'snes', 'nes') then 'Nintendo'
        when {{ slug_expr }} like 'atari%' or {{ slug_expr }} = 'jaguar' then 'Atari'
        when {{ slug_expr }} = 'commodore-amiga' then 'Commodore / Amiga'
        when {{ slug_expr }} like 'sega%'
            or {{ slug_expr }} in ('genesis', 'dreamcast', 'game-gear') then 'SEGA'
        when {{ slug_expr }} = '3do' then '3DO'
        when {{ slug_expr }} = 'neogeo' then 'Neo Geo'
        when {{ slug_expr }} = 'web' then 'Web'
        else {{ name_expr }}
    end
{%- endmacro %}
