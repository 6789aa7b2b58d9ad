/*
 * ref_app.c -- the reference FastCGI programs the HTTP benchmark compares
 * mamori-fcgi with. Same process model as mamori (N pre-forked workers on one
 * listening socket), fcgiapp.h, nothing else.
 *
 *   ref_app minimal SOCKET WORKERS            read the body, answer 200
 *   ref_app insert  SOCKET WORKERS DB SYNC    + parse it with jansson and
 *                                             insert one row into sqlite
 *                                             (WAL, synchronous=SYNC)
 */
#include <fcgiapp.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int serve(int fd, const char *db_path, const char *sync)
{
    FCGX_Request req;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    char *body = malloc(1 << 20);

    if (body == NULL)
        return 1;
    if (db_path != NULL) {
        char pragma[128];
        if (sqlite3_open(db_path, &db) != SQLITE_OK)
            return 1;
        sqlite3_busy_timeout(db, 5000);
        snprintf(pragma, sizeof pragma, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", sync);
        sqlite3_exec(db, pragma, NULL, NULL, NULL);
        if (sqlite3_prepare_v2(db, "INSERT INTO events(event_id, body) VALUES(?1, ?2)", -1, &ins, NULL) != SQLITE_OK)
            return 1;
    }
    FCGX_InitRequest(&req, fd, 0);
    while (FCGX_Accept_r(&req) >= 0) {
        const char *cl = FCGX_GetParam("CONTENT_LENGTH", req.envp);
        int len = cl ? atoi(cl) : 0, got = 0, status = 200;
        if (len > (1 << 20) - 1)
            len = (1 << 20) - 1;
        while (got < len) {
            int n = FCGX_GetStr(body + got, len - got, req.in);
            if (n <= 0)
                break;
            got += n;
        }
        body[got] = '\0';
        if (db != NULL) {
            json_t *root = json_loadb(body, (size_t)got, 0, NULL);
            const char *id = json_string_value(json_object_get(root, "event_id"));
            sqlite3_bind_text(ins, 1, id ? id : "?", -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, body, got, SQLITE_STATIC);
            if (root == NULL || sqlite3_step(ins) != SQLITE_DONE)
                status = 500;
            sqlite3_reset(ins);
            json_decref(root);
        }
        FCGX_FPrintF(req.out, "Status: %d\r\nContent-Type: application/json\r\n\r\n{\"status\":\"ok\"}", status);
        FCGX_Finish_r(&req);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int fd, workers;
    const char *db = NULL, *sync = "FULL";

    if (argc < 4 || (strcmp(argv[1], "insert") == 0 && argc < 6)) {
        fprintf(stderr, "usage: ref_app minimal|insert SOCKET WORKERS [DB SYNC]\n");
        return 2;
    }
    workers = atoi(argv[3]);
    if (strcmp(argv[1], "insert") == 0) {
        sqlite3 *h;
        db = argv[4];
        sync = argv[5];
        if (sqlite3_open(db, &h) != SQLITE_OK ||
            sqlite3_exec(h, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS events("
                            "event_id TEXT PRIMARY KEY, body TEXT)", NULL, NULL, NULL) != SQLITE_OK)
            return 1;
        sqlite3_close(h);
    }
    FCGX_Init();
    unlink(argv[2]);
    fd = FCGX_OpenSocket(argv[2], 1024);
    if (fd < 0)
        return 1;
    chmod(argv[2], 0666);
    for (int i = 0; i < workers; i++)
        if (fork() == 0)
            return serve(fd, db, sync);
    while (wait(NULL) > 0)
        ;
    return 0;
}
