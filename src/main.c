/* lifeboat: one binary, many commands.  Dispatch only. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: lifeboat COMMAND [options]\n"
          "\n"
          "  serve     run a site (S3 API over the local store)\n"
          "  admin     manage users and access keys of a running site\n"
          "  fsck      check a stopped or running site's data against its metadata\n"
          "  version   print the version\n"
          "\n"
          "lifeboat COMMAND --help tells more.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return lb_cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "admin") == 0)
        return lb_cli_admin(argc - 1, argv + 1);
    if (strcmp(cmd, "fsck") == 0)
        return lb_cli_fsck(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("lifeboat %s\n", LB_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "lifeboat: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
