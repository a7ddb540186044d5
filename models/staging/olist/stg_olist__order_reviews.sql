with

source as (

    select * from {{ source('olist', 'order_reviews') }}

),

renamed as (

    select
        review_id,
        order_id,
        {{ to_whole_number('review_score') }} as review_score,
        nullif(trim(review_comment_title), '') as review_comment_title,
        nullif(trim(review_comment_message), '') as review_comment_message,
        cast(review_creation_date as date) as review_created_date,
        cast(review_answer_timestamp as {{ dbt.type_timestamp() }}) as review_answered_at
    from source

)

select * from renamed
