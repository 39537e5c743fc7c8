/*
 * kafka-mock: a real Kafka-protocol broker for Meridian's tests, built on librdkafka's mock
 * cluster (Debian librdkafka-dev). Built and started by libs/testing (startKafkaBroker) through
 * scripts/kafka-mock/ensure.js; not for production.
 *
 *   kafka-mock [--brokers N] [--ports P1,P2,...] [--topic NAME:PARTITIONS]...
 *
 * Prints "BOOTSTRAP host:port,..." and then "READY" on stdout. Commands on stdin, one a line:
 *   topic NAME PARTITIONS   create a topic          -> "OK topic NAME" | "ERR ..."
 *   down BROKER_ID|-1       disconnect broker(s)     -> "OK down ..."
 *   up BROKER_ID|-1         accept connections again -> "OK up ..."
 *   error API_KEY CODE COUNT  answer the next COUNT requests of API_KEY (any broker, any client)
 *                           with error CODE          -> "OK error ..."
 * Exits on stdin EOF, "quit", SIGTERM or SIGINT. Everything (messages, offsets, groups) lives in
 * memory and is gone when the process exits.
 *
 * Two fixes over the plain mock, both needed by kafkajs:
 *  - Fixed ports (--ports): every mock broker binds 127.0.0.1:0 and there is no setting for it,
 *    so this program interposes bind() and hands out the requested ports in broker order. A
 *    broker restarted on the same ports lets clients reconnect to their bootstrap list.
 *  - ControllerId: librdkafka 2.0.2's mock reports controller 0, which is no broker (ids are
 *    1..N); kafkajs then fails the idempotent producer (InitProducerId goes to the controller)
 *    with "Broker 0 not found". The controller id is the field right after `char id[32]` and
 *    `rd_kafka_t *rk` at the start of the (private) cluster struct; the layout is checked against
 *    rd_kafka_mock_cluster_handle() before the id is set to broker 1.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_PORTS 64

static int fixed_ports[MAX_PORTS];
static int fixed_port_cnt = 0;
static int next_fixed_port = 0;

/* Interposed: gives the mock brokers' listeners (127.0.0.1:0) the requested ports in order. */
int bind(int fd, const struct sockaddr *addr, socklen_t len) {
        static int (*real_bind)(int, const struct sockaddr *, socklen_t) = NULL;
        if (!real_bind)
                real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
        if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in) &&
            ((const struct sockaddr_in *)addr)->sin_port == 0 && next_fixed_port < fixed_port_cnt) {
                struct sockaddr_in sin = *(const struct sockaddr_in *)addr;
                int one = 1;
                sin.sin_port = htons((uint16_t)fixed_ports[next_fixed_port++]);
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                return real_bind(fd, (const struct sockaddr *)&sin, sizeof(sin));
        }
        return real_bind(fd, addr, len);
}

struct cluster_head {
        char id[32];
        rd_kafka_t *rk;
        int32_t controller_id;
};

static void fix_controller_id(rd_kafka_mock_cluster_t *mc) {
        struct cluster_head *head = (struct cluster_head *)mc;
        if (head->rk != rd_kafka_mock_cluster_handle(mc)) {
                fprintf(stderr, "kafka-mock: unexpected mock cluster layout; controller id left as is\n");
                return;
        }
        if (head->controller_id < 1) head->controller_id = 1;
}

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
        /* stdin read is interrupted (no SA_RESTART), main loop exits */
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *name, int partitions, int replication) {
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, partitions, replication);
        if (err) {
                printf("ERR topic %s: %s\n", name, rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

int main(int argc, char **argv) {
        int brokers = 1;
        const char *topics[256];
        int topic_cnt = 0;
        char errstr[512];

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        brokers = atoi(argv[++i]);
                } else if (!strcmp(argv[i], "--ports") && i + 1 < argc) {
                        char *list = strdup(argv[++i]);
                        for (char *tok = strtok(list, ","); tok && fixed_port_cnt < MAX_PORTS; tok = strtok(NULL, ","))
                                fixed_ports[fixed_port_cnt++] = atoi(tok);
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc && topic_cnt < 256) {
                        topics[topic_cnt++] = argv[++i];
                } else {
                        fprintf(stderr, "usage: %s [--brokers N] [--ports P1,P2,...] [--topic NAME:PARTITIONS]...\n", argv[0]);
                        return 2;
                }
        }
        if (brokers < 1 || brokers > MAX_PORTS) {
                fprintf(stderr, "kafka-mock: --brokers must be 1..%d\n", MAX_PORTS);
                return 2;
        }
        if (fixed_port_cnt && fixed_port_cnt != brokers) {
                fprintf(stderr, "kafka-mock: --ports needs one port per broker (%d)\n", brokers);
                return 2;
        }

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-mock: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) {
                fprintf(stderr, "kafka-mock: could not create the mock cluster (ports in use?): %s\n", strerror(errno));
                return 1;
        }
        if (fixed_port_cnt && next_fixed_port != fixed_port_cnt) {
                fprintf(stderr, "kafka-mock: only %d of %d fixed ports were used\n", next_fixed_port, fixed_port_cnt);
                return 1;
        }
        fix_controller_id(mc);

        int replication = brokers < 3 ? brokers : 3;
        for (int i = 0; i < topic_cnt; i++) {
                char name[512];
                const char *colon = strrchr(topics[i], ':');
                int partitions = colon ? atoi(colon + 1) : 4;
                size_t n = colon ? (size_t)(colon - topics[i]) : strlen(topics[i]);
                if (n >= sizeof(name)) n = sizeof(name) - 1;
                memcpy(name, topics[i], n);
                name[n] = '\0';
                if (create_topic(mc, name, partitions < 1 ? 1 : partitions, replication)) return 1;
        }

        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        printf("READY\n");

        char line[1024];
        while (!stop_requested && fgets(line, sizeof(line), stdin)) {
                char cmd[32], name[512];
                int num, api_key, code;
                if (sscanf(line, "topic %511s %d", name, &num) == 2) {
                        if (!create_topic(mc, name, num < 1 ? 1 : num, replication)) printf("OK topic %s\n", name);
                } else if (sscanf(line, "%31s %d", cmd, &num) == 2 && (!strcmp(cmd, "down") || !strcmp(cmd, "up"))) {
                        rd_kafka_resp_err_t err = !strcmp(cmd, "down") ? rd_kafka_mock_broker_set_down(mc, num)
                                                                       : rd_kafka_mock_broker_set_up(mc, num);
                        if (err) printf("ERR %s %d: %s\n", cmd, num, rd_kafka_err2str(err));
                        else printf("OK %s %d\n", cmd, num);
                } else if (sscanf(line, "error %d %d %d", &api_key, &code, &num) == 3 && num > 0 && num <= 1000) {
                        rd_kafka_resp_err_t errs[1000];
                        for (int i = 0; i < num; i++) errs[i] = (rd_kafka_resp_err_t)code;
                        rd_kafka_mock_push_request_errors_array(mc, (int16_t)api_key, (size_t)num, errs);
                        printf("OK error %d %d %d\n", api_key, code, num);
                } else if (!strncmp(line, "quit", 4)) {
                        break;
                } else {
                        printf("ERR unknown command: %s", line);
                }
        }

        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
