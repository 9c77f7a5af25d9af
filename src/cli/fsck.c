/* lifeboat fsck DIR: offline check of metadata against data. */
#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

int lb_cli_fsck(int argc, char **argv)
{
    const char *dir = "./lifeboat-data";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: lifeboat fsck [--data DIR]\n\n"
                 "Checks, offline, that every object's data files exist, have the recorded\n"
                 "size and pass their block checksums.  Exit 0 when clean, 1 on problems.");
            return 0;
        }
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (argv[i][0] != '-')
            dir = argv[i];
        else {
            fprintf(stderr, "lifeboat fsck: unknown option \"%s\"\n", argv[i]);
            return 2;
        }
    }
    int n = lb_store_fsck(dir, stdout);
    return n == 0 ? 0 : 1;
}
