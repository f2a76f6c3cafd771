-- The announcement categories with their Korean name and an English gloss, and how many rules
-- of the classification seed lead to each.
with

categories as (

    select * from {{ ref('announcement_categories') }}

),

rules as (

    select category, count(*) as rules
    from {{ ref('announcement_category_rules') }}
    group by category

)

select
    categories.category,
    categories.name_ko,
    categories.name_en,
    categories.description_en,
    cast(coalesce(rules.rules, 0) as integer) as rules
from categories
left join rules using (category)
