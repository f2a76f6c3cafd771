-- Each announcement's category: the first rule of the `announcement_category_rules` seed (lowest
-- priority number) whose keyword occurs in the rule's field while none of its `unless` words do
-- (case-insensitive); 'notice' when none matches. The field `head` is the title's last word once
-- trailing brackets and generic words (공고, 안내, 긴급 …) are taken away, what the post is
-- (…가입비 지원 (상시) → 지원, …설치 공사 긴급 공고 → 공사): one regex per post, not per rule.
-- A change to the rules seed re-classifies every announcement (the rules' hash is kept in each
-- row).
{{
    config(
        materialized='incremental',
        unique_key='announcement_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_removed_posts() }}",
    )
}}

with

rules as (

    select
        priority,
        category,
        keyword,
        field,
        unless,
        lower(keyword) as needle,
        coalesce(string_split(lower(nullif(unless, '')), '|'), []) as vetoes
    from {{ ref('announcement_category_rules') }}

),

rules_version as (

    select md5(string_agg(
        priority || '|' || category || '|' || keyword || '|' || field || '|' || coalesce(unless, ''),
        chr(10)
        order by priority, category, keyword, field, unless
    )) as rules_version
    from rules

),

announcements as (

    select
        announcement_id,
        lower(title) as title_lower,
        regexp_extract(
            regexp_replace(
                lower(title),
                '(\s*[\(\[【<][^\)\]】>]*[\)\]】>]|\s+(공고|안내|알림|공지|재공고|정정공고|긴급|추가))+\s*$',
                ''
            ),
            '(\S+)\s*$',
            1
        ) as head_lower,
        lower(body_text) as body_lower,
        lower(category_hint) as hint_lower,
        lower(period_evidence) as period_lower,
        last_seen_at
    from {{ ref('stg_boards__announcements') }}
    {% if is_incremental() %}
    where {{ incremental_cursor('last_seen_at') }}
        or (select rules_version from rules_version)
            is distinct from (select max(rules_version) from {{ this }})
    {% endif %}

),

pairs as (

    select
        announcements.announcement_id,
        rules.*,
        case rules.field
            when 'title' then announcements.title_lower
            when 'head' then announcements.head_lower
            when 'body' then announcements.body_lower
            when 'category_hint' then announcements.hint_lower
            when 'period' then announcements.period_lower
            when 'any' then announcements.title_lower || ' ' || coalesce(announcements.body_lower, '')
        end as haystack
    from announcements
    cross join rules

),

matches as (

    {#- the first matching rule per announcement: an aggregate, cheaper than a window here -#}
    select
        announcement_id,
        arg_min(
            {
                'category': category,
                'matched_rule': field || ':' || keyword || coalesce(' unless ' || nullif(unless, ''), ''),
                'priority': priority
            },
            (priority, keyword)
        ) as rule
    from pairs
    where contains(haystack, needle)
        and not coalesce(list_bool_or(list_transform(vetoes, lambda veto: contains(haystack, veto))), false)
    group by announcement_id

),

classified as (

    select
        announcements.announcement_id,
        coalesce(matches.rule.category, 'notice') as category,
        matches.rule.matched_rule,
        matches.rule.priority as rule_priority,
        rules_version.rules_version,
        announcements.last_seen_at
    from announcements
    cross join rules_version
    left join matches using (announcement_id)

)

select * from classified
