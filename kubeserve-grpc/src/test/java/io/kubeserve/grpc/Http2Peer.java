package io.kubeserve.grpc;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A bare HTTP/2 client over plaintext TCP (prior knowledge, RFC 9113 section 3.3) that sends
 * exactly the frames a test asks for, so it can ping as often as a misbehaving client would, or
 * leave the server's pings unanswered as a vanished one would: neither is possible with grpc-java's
 * own client, which holds its keepalive to at least 10 s and always answers pings. It can open a
 * gRPC call, send it messages and reset it (gRPC over HTTP/2: PROTOCOL-HTTP2.md in grpc/grpc). It answers the
 * server's SETTINGS and nothing else. Frame layout: RFC 9113 section 4.1. Not thread-safe: one test
 * thread drives it.
 */
public final class Http2Peer implements AutoCloseable {

    /** Frame types (RFC 9113 section 6). */
    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    /** Error codes of RST_STREAM and GOAWAY (RFC 9113 section 7). */
    public static final int REFUSED_STREAM = 0x7;
    public static final int CANCEL = 0x8;
    public static final int ENHANCE_YOUR_CALM = 0xb;
    /** The SETTINGS parameter for the streams a peer may open at once (RFC 9113 section 6.5.2). */
    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    /** The SETTINGS parameter for the initial window of every stream (RFC 9113 section 6.5.2). */
    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * A frame as received.
     *
     * @param type    frame type
     * @param flags   flag bits; {@code 0x1} is ACK on SETTINGS and PING
     * @param stream  stream identifier; 0 for the connection's own frames
     * @param payload the frame's payload
     */
    public record Frame(int type, int flags, int stream, byte[] payload) {

        /** @return whether this is a PING that answers one of ours */
        public boolean isPingAck() {
            return type == PING && (flags & ACK) != 0;
        }

        /** @return whether this is a PING the server sent, which expects an answer */
        public boolean isPingRequest() {
            return type == PING && (flags & ACK) == 0;
        }

        /** @return the opaque 8 bytes of a PING */
        public long pingData() {
            return ByteBuffer.wrap(payload).getLong();
        }

        /** @return a GOAWAY's error code (RFC 9113 section 7; 0xb is ENHANCE_YOUR_CALM) */
        public int goAwayError() {
            return ByteBuffer.wrap(payload, 4, 4).getInt();
        }

        /** @return an RST_STREAM's error code (RFC 9113 section 7; 0x7 is REFUSED_STREAM, 0x8 CANCEL) */
        public int resetError() {
            return ByteBuffer.wrap(payload).getInt();
        }

        /** @return a GOAWAY's debug data, as ASCII */
        public String goAwayDebugData() {
            return new String(payload, 8, payload.length - 8, StandardCharsets.US_ASCII);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** The parameters of the server's SETTINGS frames so far, by identifier. */
    private final java.util.Map<Integer, Long> serverSettings = new java.util.HashMap<>();

    private Http2Peer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code 127.0.0.1:port} and sends the connection preface with empty SETTINGS.
     *
     * @param port a plaintext gRPC port
     * @return the connected peer, owned by the caller
     * @throws IOException when the connection fails
     */
    public static Http2Peer connect(int port) throws IOException {
        return open(port, new byte[0]);
    }

    /**
     * Connects as {@link #connect} does, but with the streams' initial flow-control window set
     * ({@code SETTINGS_INITIAL_WINDOW_SIZE}, RFC 9113 section 6.5.2): the server sends at most that
     * many bytes of DATA on a stream and holds the rest until a WINDOW_UPDATE, which this peer
     * never sends.
     *
     * @param port              a plaintext gRPC port
     * @param initialWindowSize the window of each stream the peer receives on, in bytes
     * @return the connected peer, owned by the caller
     * @throws IOException when the connection fails
     */
    public static Http2Peer connect(int port, int initialWindowSize) throws IOException {
        return open(port, ByteBuffer.allocate(6).putShort((short) SETTINGS_INITIAL_WINDOW_SIZE)
                .putInt(initialWindowSize).array());
    }

    private static Http2Peer open(int port, byte[] settings) throws IOException {
        Http2Peer peer = new Http2Peer(new Socket("127.0.0.1", port));
        peer.out.write(PREFACE);
        peer.send(SETTINGS, 0, settings);
        return peer;
    }

    /**
     * Opens a gRPC call: a HEADERS frame without END_STREAM, its fields as HPACK literals without
     * indexing or Huffman coding (RFC 7541 section 6.2.2), so the call stays open for messages.
     *
     * @param stream an odd stream identifier, higher than any before
     * @param method the full method, e.g. {@code inference.GRPCInferenceService/ModelStreamInfer}
     * @throws IOException when the write fails
     */
    public void openCall(int stream, String method) throws IOException {
        java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        String[][] fields = {{":method", "POST"}, {":scheme", "http"}, {":path", "/" + method},
                {":authority", "127.0.0.1"}, {"content-type", "application/grpc"}, {"te", "trailers"}};
        for (String[] field : fields) {
            block.write(0);
            for (String text : field) {
                byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                if (bytes.length > 126) {
                    throw new IllegalArgumentException("this peer writes lengths in HPACK's 7-bit prefix only: " + text);
                }
                block.write(bytes.length); // the top bit, Huffman coding, stays 0
                block.write(bytes);
            }
        }
        send(HEADERS, END_HEADERS, stream, block.toByteArray());
    }

    /**
     * Sends one gRPC message on an open call: a DATA frame holding the length-prefixed message
     * (uncompressed flag, 4-byte length, the bytes), without END_STREAM.
     *
     * @param stream  the call's stream
     * @param message the serialized message
     * @throws IOException when the write fails
     */
    public void sendMessage(int stream, byte[] message) throws IOException {
        if (message.length + 5 > 16_384) {
            throw new IllegalArgumentException("one DATA frame holds at most 16 KiB (SETTINGS_MAX_FRAME_SIZE's default)");
        }
        send(DATA, 0, stream, ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length)
                .put(message).array());
    }

    /**
     * Resets a stream: an RST_STREAM frame.
     *
     * @param stream    the stream
     * @param errorCode why (RFC 9113 section 7), e.g. {@code 0x8} CANCEL, as gRPC clients send on cancelling
     * @throws IOException when the write fails
     */
    public void reset(int stream, int errorCode) throws IOException {
        send(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(errorCode).array());
    }

    /**
     * A parameter of the SETTINGS the server has sent so far (frames read by {@link #next}; the
     * server sends its SETTINGS first, so once any answer is read they are known).
     *
     * @param identifier the parameter, e.g. {@link #SETTINGS_MAX_CONCURRENT_STREAMS}
     * @return its value, or null when the server has not set it
     */
    public Long serverSetting(int identifier) {
        return serverSettings.get(identifier);
    }

    /**
     * Sends a PING with {@code data} as its payload.
     *
     * @param data the 8 opaque bytes
     * @throws IOException when the write fails
     */
    public void ping(long data) throws IOException {
        send(PING, 0, ByteBuffer.allocate(8).putLong(data).array());
    }

    /**
     * Answers a server's PING.
     *
     * @param request the PING to answer
     * @throws IOException when the write fails
     */
    public void answer(Frame request) throws IOException {
        send(PING, ACK, request.payload());
    }

    /**
     * The next frame other than SETTINGS and WINDOW_UPDATE (a SETTINGS that is not an ACK is
     * acknowledged on the way).
     *
     * @param timeout how long to wait for it
     * @return the frame, or null once the server has closed the connection (end of stream or reset)
     * @throws java.net.SocketTimeoutException when nothing comes within {@code timeout}
     * @throws IOException                     when reading fails otherwise
     */
    public Frame next(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        while (true) {
            Frame frame;
            try {
                int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fff_ffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                frame = new Frame(type, flags, stream, payload);
            } catch (EOFException | java.net.SocketException closed) {
                return null;
            }
            if (frame.type() == SETTINGS && (frame.flags() & ACK) == 0) {
                ByteBuffer parameters = ByteBuffer.wrap(frame.payload());
                while (parameters.remaining() >= 6) {
                    serverSettings.put(parameters.getShort() & 0xffff, parameters.getInt() & 0xffff_ffffL);
                }
                send(SETTINGS, ACK, new byte[0]);
            } else if (frame.type() != SETTINGS && frame.type() != WINDOW_UPDATE) {
                return frame;
            }
        }
    }

    private void send(int type, int flags, byte[] payload) throws IOException {
        send(type, flags, 0, payload);
    }

    private void send(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(9);
        header.put((byte) (payload.length >>> 16)).putShort((short) payload.length).put((byte) type)
                .put((byte) flags).putInt(stream);
        out.write(header.array());
        out.write(payload);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
