/*
 * Fuzz target for the service list parsers (Get-Service CSV in every encoding,
 * systemctl text and JSON, collector JSON) and the unneeded-services list
 * parser. Whatever the bytes, parsing must end in MM_OK or an error with a
 * message, never a crash, leak or overflow; a parsed list must diff against
 * itself to nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include "services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_services_parsed p;
    mm_unneeded_list *l = NULL;
    mm_error err;

    mm_error_clear(&err);
    if (mm_services_parse("fuzz", (const char *)data, size, &p, &err) == MM_OK) {
        mm_service_snapshot s;
        mm_services_diff d;
        memset(&s, 0, sizeof(s));
        s.services = p.list;
        p.list.v = NULL;
        p.list.n = p.list.cap = 0;
        mm_service_list_sort(&s.services);
        mm_services_diff_compute(&s, &s, &d);
        if (d.n != 0)
            abort();
        mm_services_diff_release(&d);
        mm_service_snapshot_release(&s);
    } else if (!err.msg[0]) {
        abort();
    }
    mm_services_parsed_release(&p);
    if (mm_unneeded_parse("fuzz", (const char *)data, size, NULL, &l, &err) == MM_OK) {
        mm_service_snapshot s;
        mm_unneeded_hits h;
        memset(&s, 0, sizeof(s));
        mm_services_unneeded_running(l, &s, MM_ROLE_ANY, &h);
        mm_unneeded_hits_release(&h);
    }
    mm_unneeded_free(&l);
    return 0;
}
