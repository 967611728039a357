// Hand-kept to match migrations/{sqlite,postgres}; only types both backends share.

diesel::table! {
    jurisdictions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        created_at -> Timestamp,
        active -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        role -> Text,
        phone -> Text,
        name -> Text,
        password_hash -> Text,
        jurisdiction_code -> Nullable<Text>,
        id_number -> Nullable<Text>,
        email -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email_opt_out -> Bool,
        language -> Text,
        id_number_bidx -> Nullable<Text>,
        must_change_password -> Bool,
        care_mode -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen_at -> Timestamp,
        user_agent -> Text,
    }
}

diesel::table! {
    sign_in_failures (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sms_codes (id) {
        id -> Text,
        phone -> Text,
        purpose -> Text,
        code_hash -> Text,
        client_key -> Text,
        tries -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    certificate_types (code) {
        code -> Text,
        sort_order -> Integer,
        name_zh -> Text,
        spec -> Text,
        active -> Bool,
        updated_at -> Timestamp,
        current_version -> Integer,
    }
}

diesel::table! {
    certificate_type_versions (type_code, version) {
        type_code -> Text,
        version -> Integer,
        spec -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
        note -> Text,
    }
}

diesel::table! {
    certificate_type_county_off (type_code, county_code) {
        type_code -> Text,
        county_code -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    holidays (day) {
        day -> Text,
        kind -> Text,
        note -> Text,
        source -> Text,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        number -> Text,
        type_code -> Text,
        applicant_id -> Text,
        subject_name -> Text,
        subject_id_number -> Text,
        form_data -> Text,
        county_code -> Text,
        township_code -> Text,
        village_code -> Text,
        delivery_method -> Text,
        delivery_recipient -> Nullable<Text>,
        delivery_phone -> Nullable<Text>,
        delivery_address -> Nullable<Text>,
        status -> Text,
        current_step -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        node_started_at -> Timestamp,
        node_deadline -> Timestamp,
        overall_deadline -> Nullable<Timestamp>,
        deadline_provisional -> Bool,
        subject_id_bidx -> Nullable<Text>,
        type_version -> Integer,
        issue_blocked -> Nullable<Text>,
    }
}

diesel::table! {
    application_events (id) {
        id -> Text,
        application_id -> Text,
        seq -> Integer,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        step -> Nullable<Integer>,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        node_deadline -> Nullable<Timestamp>,
        deadline_met -> Nullable<Bool>,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        application_id -> Text,
        kind -> Text,
        original_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        blob_key -> Text,
        thumb_key -> Nullable<Text>,
        created_at -> Timestamp,
        slot -> Nullable<Text>,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        application_id -> Text,
        number -> Text,
        type_code -> Text,
        issuer_code -> Text,
        issued_at -> Timestamp,
        valid_until -> Timestamp,
        pdf_key -> Text,
        pdf_sha256 -> Text,
        key_id -> Nullable<Text>,
        status -> Text,
        revoked_at -> Nullable<Timestamp>,
        revocation_reason -> Nullable<Text>,
        revocation_code -> Nullable<Text>,
        pdf_data_kid -> Nullable<Text>,
    }
}

diesel::table! {
    dispatches (id) {
        id -> Text,
        application_id -> Text,
        certificate_id -> Text,
        tracking_number -> Text,
        county_code -> Text,
        township_code -> Text,
        village_code -> Text,
        courier_id -> Nullable<Text>,
        recipient -> Text,
        phone -> Text,
        address -> Text,
        status -> Text,
        failed_attempts -> Integer,
        code_hash -> Text,
        signer -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        code_failures -> Integer,
        locked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    dispatch_events (id) {
        id -> Text,
        dispatch_id -> Text,
        seq -> Integer,
        event -> Text,
        from_status -> Text,
        to_status -> Text,
        actor_id -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        reason_text -> Nullable<Text>,
        signer -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        channel -> Text,
        recipient -> Text,
        template_code -> Text,
        template_version -> Integer,
        params -> Text,
        application_id -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_log (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        created_at -> Timestamp,
        outcome -> Text,
        phone -> Nullable<Text>,
        application_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::table! {
    escalations (id) {
        id -> Text,
        application_id -> Text,
        step -> Integer,
        node_started_at -> Timestamp,
        node_deadline -> Timestamp,
        county_code -> Text,
        township_code -> Text,
        village_code -> Text,
        escalated_at -> Timestamp,
    }
}

diesel::table! {
    application_proxies (application_id) {
        application_id -> Text,
        agent_id -> Nullable<Text>,
        relationship -> Nullable<Text>,
        relationship_note -> Nullable<Text>,
        subject_phone -> Nullable<Text>,
        consent -> Nullable<Text>,
        consent_at -> Nullable<Timestamp>,
        consent_code_id -> Nullable<Text>,
        village_code -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(application_proxies -> applications (application_id));
diesel::joinable!(escalations -> applications (application_id));
diesel::joinable!(applications -> certificate_types (type_code));
diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(documents -> applications (application_id));
diesel::joinable!(certificates -> applications (application_id));
diesel::joinable!(dispatch_events -> dispatches (dispatch_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    jurisdictions,
    users,
    sessions,
    sign_in_failures,
    sms_codes,
    certificate_types,
    certificate_type_versions,
    certificate_type_county_off,
    counters,
    holidays,
    applications,
    application_events,
    documents,
    certificates,
    dispatches,
    dispatch_events,
    notifications,
    access_log,
    jobs,
    rate_limits,
    escalations,
    case_figures,
    application_proxies,
    roster_imports,
    roster_entries,
    roster_checks,
);

diesel::table! {
    case_figures (application_id) {
        application_id -> Text,
        county_code -> Text,
        township_code -> Text,
        village_code -> Text,
        type_code -> Text,
        received_at -> Nullable<Timestamp>,
        returned -> Bool,
        decided_at -> Nullable<Timestamp>,
        decided_day -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        rejected -> Bool,
        same_day -> Nullable<Bool>,
        on_time -> Nullable<Bool>,
        working_days -> Nullable<Integer>,
        node0_days -> Nullable<Integer>,
        node1_days -> Nullable<Integer>,
        node2_days -> Nullable<Integer>,
        node3_days -> Nullable<Integer>,
        figures_version -> Integer,
    }
}

diesel::joinable!(case_figures -> applications (application_id));

diesel::table! {
    figures_days (county_code, period, township_code, village_code, type_code, decided_by, days_over) {
        period -> Text,
        county_code -> Text,
        township_code -> Text,
        village_code -> Text,
        type_code -> Text,
        decided_by -> Text,
        days_over -> Integer,
        received -> BigInt,
        returned -> BigInt,
        finished -> BigInt,
        issued -> BigInt,
        same_day -> BigInt,
        on_time -> BigInt,
        pending -> BigInt,
        n0s -> BigInt,
        n0n -> BigInt,
        n1s -> BigInt,
        n1n -> BigInt,
        n2s -> BigInt,
        n2n -> BigInt,
        n3s -> BigInt,
        n3n -> BigInt,
        instant -> BigInt,
        instant_same_day -> BigInt,
        d0 -> BigInt,
        d1 -> BigInt,
        d2 -> BigInt,
        d3 -> BigInt,
        d4 -> BigInt,
        d5 -> BigInt,
        d6 -> BigInt,
        d7 -> BigInt,
    }
}

diesel::table! {
    figures_months (county_code, period, township_code, village_code, type_code, decided_by, days_over) {
        period -> Text,
        county_code -> Text,
        township_code -> Text,
        village_code -> Text,
        type_code -> Text,
        decided_by -> Text,
        days_over -> Integer,
        received -> BigInt,
        returned -> BigInt,
        finished -> BigInt,
        issued -> BigInt,
        same_day -> BigInt,
        on_time -> BigInt,
        pending -> BigInt,
        n0s -> BigInt,
        n0n -> BigInt,
        n1s -> BigInt,
        n1n -> BigInt,
        n2s -> BigInt,
        n2n -> BigInt,
        n3s -> BigInt,
        n3n -> BigInt,
        instant -> BigInt,
        instant_same_day -> BigInt,
        d0 -> BigInt,
        d1 -> BigInt,
        d2 -> BigInt,
        d3 -> BigInt,
        d4 -> BigInt,
        d5 -> BigInt,
        d6 -> BigInt,
        d7 -> BigInt,
    }
}

diesel::table! {
    figures_chart (county_code, day, township_code, village_code) {
        day -> Text,
        county_code -> Text,
        township_code -> Text,
        village_code -> Text,
        finished -> BigInt,
        on_time -> BigInt,
    }
}

diesel::table! {
    figures_rollup_built (id) {
        id -> Integer,
        built_at -> Timestamp,
    }
}

diesel::table! {
    roster_imports (id) {
        id -> Text,
        kind -> Text,
        county_code -> Text,
        source -> Text,
        as_of -> Text,
        row_count -> Integer,
        imported_by -> Nullable<Text>,
        imported_at -> Timestamp,
        replaced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    roster_entries (id) {
        id -> Text,
        import_id -> Text,
        id_bidx -> Text,
        id_number -> Text,
        name -> Text,
        village_code -> Nullable<Text>,
        data -> Text,
    }
}

diesel::table! {
    roster_checks (application_id) {
        application_id -> Text,
        import_id -> Nullable<Text>,
        outcome -> Text,
        reason_zh -> Text,
        reason_en -> Text,
        checked_at -> Timestamp,
    }
}

diesel::joinable!(roster_entries -> roster_imports (import_id));
diesel::joinable!(roster_checks -> applications (application_id));
