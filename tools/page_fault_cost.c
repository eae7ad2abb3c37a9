/* What a fresh page costs on this machine: maps N MB (default 8), writes one byte to each
 * page, and prints the time per page. Run it a few times in a row: the first run after
 * memory was freed elsewhere shows what the guest's free page reporting adds.
 *
 *   cc -O2 -o /tmp/page_fault_cost tools/page_fault_cost.c && /tmp/page_fault_cost 8
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv) {
    size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 8;
    size_t bytes = mb << 20, pages = bytes / 4096;
    if (pages == 0) {
        fprintf(stderr, "usage: page_fault_cost [MB > 0]\n");
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile char *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = 1;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("%zu MB: %.2f ms, %.2f us a page\n", mb, ns / 1e6, ns / 1e3 / pages);
    return 0;
}
