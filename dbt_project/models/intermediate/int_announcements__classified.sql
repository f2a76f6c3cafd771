-- Each announcement's category: the first keyword rule (lowest priority number) whose keyword
-- occurs in the rule's field; 'notice' when none matches. A change to the rules seed
-- re-classifies every announcement (the rules' hash is kept in each row).
{{
    config(
        materialized='incremental',
        unique_key='announcement_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

rules as (

    select * from {{ ref('announcement_category_rules') }}

),

rules_version as (

    select md5(string_agg(
        priority || '|' || category || '|' || keyword || '|' || field, chr(10)
        order by priority, category, keyword, field
    )) as rules_version
    from rules

),

announcements as (

    select announcement_id, title, body_text, category_hint, last_seen_at
    from {{ ref('stg_boards__announcements') }}
    {% if is_incremental() %}
    where {{ incremental_cursor('last_seen_at') }}
        or (select rules_version from rules_version)
            is distinct from (select max(rules_version) from {{ this }})
    {% endif %}

),

matches as (

    {#- the first matching rule per announcement: an aggregate, cheaper than a window here -#}
    select
        announcements.announcement_id,
        arg_min(
            {
                'category': rules.category,
                'matched_rule': rules.field || ':' || rules.keyword,
                'priority': rules.priority
            },
            (rules.priority, rules.keyword)
        ) as rule
    from announcements
    inner join rules
        on contains(
            case rules.field
                when 'title' then announcements.title
                when 'body' then announcements.body_text
                when 'category_hint' then announcements.category_hint
                when 'any' then announcements.title || ' ' || coalesce(announcements.body_text, '')
            end,
            rules.keyword
        )
    group by announcements.announcement_id

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
