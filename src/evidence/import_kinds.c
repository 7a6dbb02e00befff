/*
 * The kinds of evidence Mamori imports, each one table of columns (see importer.h for the
 * engine and how to add a kind; docs/evidence.md for the user's view). The English column
 * names are also the JSON keys collectors write, so renaming one breaks collectors: add an
 * alias in `ja` instead.
 *
 * Natural keys (re-importing replaces a row with the same key, keeps the others):
 *   assets: name · vendors: name · systems: name · staff: person_id · accounts: (system,
 *   login) · roles: (role, info_class) · password-policies: system · software: (host,
 *   product) · allowlists: (device, cidr) · media: host · advisories: (cve, product)
 */
#include "importer_int.h"

#define REQ MM_F_REQUIRED
#define KEY (MM_F_REQUIRED | MM_F_KEY)

static const char *const asset_kinds[] = {"server|サーバ|サーバー",
                                          "pc|端末|パソコン|クライアント",
                                          "network|ネットワーク機器|ネットワーク",
                                          "media|外部記録媒体|記録媒体|媒体",
                                          "iot|IoT機器|医療機器",
                                          NULL};

static const mm_import_field asset_fields[] = {
    {.name = "kind",
     .ja = "種別|機器種別",
     .type = MM_FT_ENUM,
     .flags = REQ,
     .values = asset_kinds},
    {.name = "name", .ja = "機器名|名称|資産名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "host", .ja = "ホスト名|コンピュータ名", .type = MM_FT_TEXT},
    {.name = "ip", .ja = "IPアドレス|IP", .type = MM_FT_IP},
    {.name = "os", .ja = "OS|ファームウェア", .type = MM_FT_TEXT},
    {.name = "os_version", .ja = "OSバージョン|バージョン|版", .type = MM_FT_TEXT},
    {.name = "location", .ja = "設置場所|場所", .type = MM_FT_TEXT},
    {.name = "department", .ja = "部署|部門", .type = MM_FT_TEXT},
    {.name = "owner", .ja = "管理者|管理責任者", .type = MM_FT_TEXT},
    {.name = "vendor",
     .ja = "事業者|保守事業者|保守業者",
     .type = MM_FT_VENDOR,
     .sql = "vendor_id"},
    {.name = "remote_maintenance", .ja = "リモート保守", .type = MM_FT_BOOL},
    {.name = "remote_access",
     .ja = "リモートアクセス機器|VPN機器",
     .type = MM_FT_BOOL,
     .dflt = "no"},
    {.name = "internet_facing", .ja = "インターネット接続", .type = MM_FT_BOOL},
    {.name = "in_service", .ja = "稼働開始日|導入日", .type = MM_FT_DATE, .sql = "in_service_on"},
    {.name = "retired",
     .ja = "廃棄日|撤去日",
     .type = MM_FT_DATE,
     .sql = "retired_on",
     .not_before = "in_service"},
};

static const mm_import_field vendor_fields[] = {
    {.name = "name", .ja = "事業者名|名称|事業者", .type = MM_FT_TEXT, .flags = KEY, .maxlen = 200},
    {.name = "contact", .ja = "連絡先", .type = MM_FT_TEXT},
};

/* A vendors file row: make sure the vendor exists (audited as vendor.add like `mamori vendor
 * add`), so the UPSERT below only ever updates its contact and provenance. */
static mm_rc vendor_before_row(mm_store *st, const mm_import_kind *k, const mm_import_row *row,
                               const char *actor, mm_error *err)
{
    long id;
    return mm_import_vendor_ensure(st, row->v[0].s, actor, &id, err);
}

static const mm_import_field system_fields[] = {
    {.name = "name", .ja = "システム名|名称", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "category", .ja = "分類|区分", .type = MM_FT_TEXT},
    {.name = "vendor", .ja = "事業者|保守事業者", .type = MM_FT_VENDOR, .sql = "vendor_id"},
    {.name = "mds_sds_version", .ja = "MDS/SDS版|MDS/SDSバージョン", .type = MM_FT_TEXT},
    {.name = "mds_sds_received",
     .ja = "MDS/SDS受領日",
     .type = MM_FT_DATE,
     .sql = "mds_sds_received_on"},
};

static const mm_import_field staff_fields[] = {
    {.name = "person_id", .ja = "職員ID|職員番号|職員コード", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "name", .ja = "氏名|名前", .type = MM_FT_TEXT},
    {.name = "job", .ja = "職種", .type = MM_FT_TEXT},
    {.name = "department", .ja = "部署|所属", .type = MM_FT_TEXT},
    {.name = "hired", .ja = "採用日|入職日", .type = MM_FT_DATE, .sql = "hired_on"},
    {.name = "left", .ja = "退職日", .type = MM_FT_DATE, .sql = "left_on", .not_before = "hired"},
};

static const mm_import_field account_fields[] = {
    {.name = "system", .ja = "システム|システム名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "login",
     .ja = "ログインID|アカウント|ユーザーID|利用者ID",
     .type = MM_FT_TEXT,
     .flags = KEY},
    {.name = "person_id", .ja = "職員ID|職員番号", .type = MM_FT_TEXT},
    {.name = "role", .ja = "役割|ロール|権限グループ", .type = MM_FT_TEXT},
    {.name = "enabled", .ja = "有効", .type = MM_FT_BOOL, .flags = REQ},
    {.name = "last_logon", .ja = "最終ログオン|最終ログイン", .type = MM_FT_DATETIME},
    {.name = "admin",
     .ja = "管理者権限|管理者",
     .type = MM_FT_BOOL,
     .sql = "is_admin",
     .dflt = "no"},
    {.name = "mfa", .ja = "多要素認証|二要素認証", .type = MM_FT_BOOL},
    {.name = "shared", .ja = "共用|共有", .type = MM_FT_BOOL, .dflt = "no"},
};

static const char *const access_levels[] = {"none|なし|不可", "read|参照|閲覧", "write|更新|編集",
                                            "admin|管理", NULL};

static const mm_import_field role_fields[] = {
    {.name = "role", .ja = "役割|ロール", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "info_class", .ja = "情報区分|情報の種類", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "access",
     .ja = "権限|アクセス権",
     .type = MM_FT_ENUM,
     .flags = REQ,
     .values = access_levels},
};

static const mm_import_field password_fields[] = {
    {.name = "system", .ja = "システム|システム名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "min_length", .ja = "最小文字数|最低文字数", .type = MM_FT_INT, .min = 0, .max = 256},
    {.name = "classes", .ja = "文字種数|文字種", .type = MM_FT_INT, .min = 1, .max = 4},
    {.name = "max_age_days",
     .ja = "有効期間日数|有効期間",
     .type = MM_FT_INT,
     .min = 0,
     .max = 36500},
    {.name = "history",
     .ja = "履歴世代数|パスワード履歴",
     .type = MM_FT_INT,
     .min = 0,
     .max = 1000},
    {.name = "lockout_threshold",
     .ja = "ロックアウト回数|ロックアウト",
     .type = MM_FT_INT,
     .min = 0,
     .max = 1000},
    {.name = "mfa", .ja = "多要素認証|二要素認証", .type = MM_FT_BOOL},
};

static const char *const software_kinds[] = {"os|OS", "software|ソフトウェア|アプリケーション",
                                             "firmware|ファームウェア", NULL};

static const mm_import_field software_fields[] = {
    {.name = "host", .ja = "ホスト名|機器名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "kind", .ja = "種別", .type = MM_FT_ENUM, .flags = REQ, .values = software_kinds},
    {.name = "product", .ja = "製品|製品名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "version", .ja = "バージョン|版", .type = MM_FT_TEXT, .flags = REQ},
    {.name = "taken", .ja = "取得日時|確認日", .type = MM_FT_DATETIME, .sql = "taken_on"},
};

static const mm_import_field allowlist_fields[] = {
    {.name = "device", .ja = "機器|機器名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "cidr", .ja = "接続元|許可アドレス|CIDR", .type = MM_FT_CIDR, .flags = KEY},
    {.name = "note", .ja = "備考", .type = MM_FT_TEXT},
};

static const char *const media_states[] = {"blocked|禁止|ブロック", "allowlisted|許可リスト|許可制",
                                           "none|制限なし|なし", NULL};

static const mm_import_field media_fields[] = {
    {.name = "host", .ja = "ホスト名|機器名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "state", .ja = "状態|制御", .type = MM_FT_ENUM, .flags = REQ, .values = media_states},
    {.name = "devices", .ja = "許可デバイス|許可媒体", .type = MM_FT_TEXT, .maxlen = 8192},
    {.name = "taken", .ja = "取得日時|確認日", .type = MM_FT_DATETIME, .sql = "taken_on"},
};

static const mm_import_field advisory_fields[] = {
    {.name = "cve", .ja = "CVE|CVE番号", .type = MM_FT_CVE, .flags = KEY},
    {.name = "product", .ja = "製品|製品名", .type = MM_FT_TEXT, .flags = KEY},
    {.name = "affected",
     .ja = "影響範囲|影響バージョン|対象バージョン",
     .type = MM_FT_RANGE,
     .flags = REQ},
    {.name = "fixed", .ja = "修正版|修正バージョン", .type = MM_FT_TEXT},
    {.name = "source_url", .ja = "出典URL|URL|出典", .type = MM_FT_TEXT, .maxlen = 2048},
};

#define FIELDS(a) .fields = a, .nfields = MM_ARRAY_LEN(a)

static const mm_import_kind kind_assets = {
    .name = "assets", .label = "機器台帳 / asset ledger", .table = "asset", FIELDS(asset_fields)};
static const mm_import_kind kind_vendors = {.name = "vendors",
                                            .label = "事業者 / vendors",
                                            .table = "vendor",
                                            FIELDS(vendor_fields),
                                            .extra_cols = ", created_at",
                                            .extra_vals = ", :now",
                                            .before_row = vendor_before_row};
static const mm_import_kind kind_systems = {.name = "systems",
                                            .label = "医療情報システム / systems",
                                            .table = "system",
                                            FIELDS(system_fields)};
static const mm_import_kind kind_staff = {
    .name = "staff", .label = "職員名簿 / staff roster", .table = "staff", FIELDS(staff_fields)};
static const mm_import_kind kind_accounts = {.name = "accounts",
                                             .label = "利用者アカウント / accounts",
                                             .table = "account",
                                             FIELDS(account_fields)};
static const mm_import_kind kind_roles = {.name = "roles",
                                          .label = "役割と情報区分の権限 / role access matrix",
                                          .table = "role_access",
                                          FIELDS(role_fields)};
static const mm_import_kind kind_password = {.name = "password-policies",
                                             .label = "パスワード設定 / password policies",
                                             .table = "password_policy",
                                             FIELDS(password_fields)};
static const mm_import_kind kind_software = {
    .name = "software",
    .label = "ソフトウェア・ファームウェアの版 / software and firmware versions",
    .table = "software",
    FIELDS(software_fields)};
static const mm_import_kind kind_allowlists = {.name = "allowlists",
                                               .label = "接続元の制限 / connection allow-lists",
                                               .table = "allowlist",
                                               FIELDS(allowlist_fields)};
static const mm_import_kind kind_media = {.name = "media",
                                          .label = "外部記録媒体の制御 / media control",
                                          .table = "media_control",
                                          FIELDS(media_fields)};
static const mm_import_kind kind_advisories = {.name = "advisories",
                                               .label = "脆弱性情報 / advisories",
                                               .table = "advisory",
                                               FIELDS(advisory_fields),
                                               .feed_key = "advisories"};

const mm_import_kind *const mm_import_kinds[] = {
    &kind_assets,   &kind_vendors,  &kind_systems,    &kind_staff, &kind_accounts,   &kind_roles,
    &kind_password, &kind_software, &kind_allowlists, &kind_media, &kind_advisories,
};

const size_t mm_import_kinds_len = MM_ARRAY_LEN(mm_import_kinds);
