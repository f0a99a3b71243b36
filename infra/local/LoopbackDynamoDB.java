// LoopbackDynamoDB starts DynamoDB Local bound to 127.0.0.1 only. The stock
// launcher listens on every interface and has no option to change that, so this
// wrapper builds the same server from the same command-line flags and points
// its Jetty connectors at the loopback address before starting it.
//
// Run it in Java's single-file source mode with DynamoDBLocal.jar and its
// libraries on the class path, e.g.
//   java -Djava.library.path=DIR/DynamoDBLocal_lib -cp 'DIR/DynamoDBLocal.jar:DIR/DynamoDBLocal_lib/*' \
//        LoopbackDynamoDB.java -inMemory -port 8000 -disableTelemetry

import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDB {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        for (Connector c : jetty.getConnectors()) {
            ((ServerConnector) c).setHost("127.0.0.1");
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on 127.0.0.1");
        proxy.join();
    }
}
