/*
 * Fuzz target for the sealed TOTP secret reader (src/web/seal.c): a stored column value is
 * parsed ("x1:" + hex of nonce and ciphertext) and opened; anything not sealed by the key must
 * come back as malformed (MM_ERR_PARSE) or not opening (MM_ERR_DENIED), never as a secret.
 * Input that is valid hex is also sealed and opened again, which must give it back unchanged.
 */
#include <sodium.h>
#include <stdint.h>

#include "web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char *text = malloc(size + 1), hex[256], box[512], back[256];
    mm_error err;
    mm_rc rc;

    if (!text || sodium_init() < 0)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    mm_error_clear(&err);
    rc = mm_web_unseal(key, "root", text, hex, sizeof(hex), &err);
    if (rc != MM_ERR_PARSE && rc != MM_ERR_DENIED)
        abort(); /* forged input never opens */
    if (strlen(text) <= 128 && strlen(text) % 2 == 0 && strlen(text) > 0 &&
        strspn(text, "0123456789abcdef") == strlen(text)) {
        if (mm_web_seal(key, "root", text, box, sizeof(box), &err) != MM_OK ||
            mm_web_unseal(key, "root", box, back, sizeof(back), &err) != MM_OK ||
            strcmp(back, text) != 0 || !mm_web_sealed(box))
            abort();
        if (mm_web_unseal(key, "toor", box, back, sizeof(back), &err) != MM_ERR_DENIED)
            abort(); /* bound to the user name */
    }
    free(text);
    return 0;
}
