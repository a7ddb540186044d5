{#- One row per person contacted (or held out) in a campaign, from the contact list as sent: scripts/roi.py writes
    it (output/campaign_contacts.csv) and the loader takes it as the optional tenth file. The file's column `group`
    (a reserved word in SQL) becomes campaign_group. -#}
with

source as (

    select * from {{ source('crm', 'campaign_contacts') }}

),

renamed as (

    select
        campaign_id,
        customer_unique_id,
        {{ adapter.quote("group") }} as campaign_group,
        contacted_at
    from source

)

select * from renamed
